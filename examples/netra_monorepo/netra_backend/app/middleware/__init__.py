"""Request middleware for the backend API."""
