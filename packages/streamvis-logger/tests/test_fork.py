"""A forked child gets its own buffer and worker; nothing is written twice or lost."""

import os

import numpy as np

from streamvis.logger import DataLogger, read_log


def test_fork_child_and_parent_both_log(tmp_path):
    path = str(tmp_path / "log")
    logger = DataLogger("s").init(path=path, flush_interval=3600)
    logger.write("k", x=0, y=0.0)  # buffered in the parent at fork time
    pid = os.fork()
    if pid == 0:  # child: must not re-write the parent's buffered point
        try:
            logger.write("child", x=1, y=1.0)
            logger.close()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert status == 0
    logger.write("k", x=1, y=1.0)
    logger.close()
    series = {s.name: s for s in read_log(path)}
    np.testing.assert_array_equal(series["k"].columns["x"], [0, 1])
    assert series["child"].columns["x"].tolist() == [1]
    assert len(series["child"].writers & series["k"].writers) == 0
