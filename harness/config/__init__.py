from harness.config.loader import json_schema, load_lab_config, parse_lab_config, write_lab_config
from harness.config.models import BenchDut, Declaration, LabConfig, LabgridDut, QemuDut

__all__ = [
    "BenchDut", "Declaration", "LabConfig", "LabgridDut", "QemuDut", "json_schema", "load_lab_config", "parse_lab_config", "write_lab_config",
]
