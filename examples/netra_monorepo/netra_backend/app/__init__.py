"""The backend application package."""
