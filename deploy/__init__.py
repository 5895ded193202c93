"""Deployment files: the nginx site (nginx/plansite.conf) and gunicorn's settings."""
