"""Long work off the web workers: jobs on a Huey queue, recorded in the `task` table."""
