"""imr-assist: read California workers' compensation IMR determination letters."""

from .schema import Item, Patient, Record, Reviewer

__all__ = ["Item", "Patient", "Record", "Reviewer", "__version__"]
__version__ = "0.1.0"
