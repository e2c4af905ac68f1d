"""fsmkit: field-service contract audits, repeat failures, technician briefs and follow-ups."""

__version__ = "0.1.0"
