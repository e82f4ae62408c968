"""HTTP route handlers of the backend API."""
