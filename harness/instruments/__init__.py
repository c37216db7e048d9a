"""Lab instruments over VISA (pyvisa): the SCPI session with its log and
error-queue discipline, and the callbox protocol with one small driver per
vendor command set."""
