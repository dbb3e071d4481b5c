"""What every account carries about itself: its facts as SSM parameters."""
