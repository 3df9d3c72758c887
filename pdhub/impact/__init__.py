"""Impact and continuous improvement: module feedback, pre/post surveys, goals
and the research export."""
