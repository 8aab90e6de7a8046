"""The quarterly cycle: reporting rounds, each action's update due, submitted, returned or signed off (issue 10)."""
