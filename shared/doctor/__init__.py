"""`sre doctor`: check that the deployment works, and say plainly what was not checked."""
