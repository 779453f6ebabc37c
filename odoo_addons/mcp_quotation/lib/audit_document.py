"""The audit document of a quotation request, in the earlier system's structure."""


def audit_document(
    *, tracking_id, created_at, status, input_data, output, error, updated_at
):
    """Return the JSON-ready audit document; datetimes are naive UTC."""
    return {
        "tracking_id": tracking_id,
        "timestamp": created_at.isoformat(),
        "date": created_at.date().isoformat(),
        "status": status,
        "input": input_data,
        "output": output,
        "error": error,
        "updated_at": updated_at.isoformat(),
    }


def audit_key(prefix, tracking_id, created_at):
    """Return ``{prefix}/YYYY/MM/YYYY-MM-DD_{tracking_id}.json``."""
    name = f"{created_at:%Y/%m}/{created_at:%Y-%m-%d}_{tracking_id}.json"
    prefix = prefix.strip("/")
    return f"{prefix}/{name}" if prefix else name
