"""Real identity servers for the single sign-on tests: an OpenID Connect provider and slapd."""

import subprocess


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a server the tests started: politely, then for sure."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
