"""Eight processes appending to one local PATH lose and interleave nothing."""

import subprocess
import sys

import numpy as np

from streamvis.logger import LogReader

WRITER = """
import sys
import numpy as np
from streamvis.logger import DataLogger
scope, path = sys.argv[1], sys.argv[2]
with DataLogger(scope).init(path=path, buffer_max_elem=37) as logger:
    for step in range(2000):
        logger.write("loss", x=step, y=float(step) * 0.5)
        if step % 100 == 0:
            logger.write("batch", x=np.arange(step, step + 50), y=np.full((3, 50), step, np.float32))
"""


def test_eight_writers_one_file(tmp_path):
    path = str(tmp_path / "shared.log")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, f"w{i}", path]) for i in range(8)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 8
    reader = LogReader(path)
    series = {s.key: s for s in reader.read_all()}
    assert reader.stats.damaged_bytes == 0 and reader.stats.bad_records == 0
    assert len(series) == 8 * 4
    for i in range(8):
        loss = series[(f"w{i}", "loss", 0)]
        np.testing.assert_array_equal(loss.columns["x"], np.arange(2000))
        np.testing.assert_array_equal(loss.columns["y"], np.arange(2000) * 0.5)
        for index in range(3):
            batch = series[(f"w{i}", "batch", index)]
            expected_x = np.concatenate([np.arange(s, s + 50) for s in range(0, 2000, 100)])
            np.testing.assert_array_equal(batch.columns["x"], expected_x)
