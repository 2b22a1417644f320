"""Studies: designs of runs and their analyses. ``runner`` runs one scenario (``sim.run``);
``points`` runs one point of a design; ``sweep``, ``compare``, ``sensitivity``, ``discover``,
``hindcast`` and ``calibrate`` are built on them; ``outputs`` decides which folder a run may
write and resumes an interrupted one."""
