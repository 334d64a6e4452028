"""The school stage: a school's graduated approach for one pupil, before it notifies the service."""
