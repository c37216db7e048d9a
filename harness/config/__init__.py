from harness.config.loader import json_schema, load_lab_config, parse_lab_config, write_lab_config
from harness.config.models import BenchDut, Declaration, LabConfig, QemuDut

__all__ = [
    "BenchDut", "Declaration", "LabConfig", "QemuDut", "json_schema", "load_lab_config", "parse_lab_config", "write_lab_config",
]
