"""The AR presentation: the companion beside the client, life-size, one scan away."""
