"""TensorFlow's own TFRecord reader reads a streamvis log record for record."""

import os

import pytest

from streamvis.logger import DataLogger
from streamvis.proto import FrameDecoder, parse_record

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def import_tensorflow():
    """TensorFlow, or a skip on a developer machine without it; CI must have it."""
    if os.environ.get("CI"):
        import tensorflow

        return tensorflow
    return pytest.importorskip("tensorflow")


def test_tf_data_reads_a_streamvis_log(tmp_path):
    tf = import_tensorflow()
    path = str(tmp_path / "log")
    with DataLogger("run").init(path=path, buffer_max_elem=10) as logger:
        for step in range(100):
            logger.write("k", x=step, y=step * 0.25)
            if step % 10 == 9:
                logger.flush_buffer()  # ten flushes: ten points records at least
        logger.write("m", x=[1, 2], y=[[1.0, 2.0], [3.0, 4.0]])
    ours = [bytes(p) for p in FrameDecoder().feed(open(path, "rb").read())]
    theirs = [r.numpy() for r in tf.data.TFRecordDataset(path)]
    assert theirs == ours and len(ours) > 10
    kinds = {parse_record(p).WhichOneof("kind") for p in theirs}
    assert kinds == {"header", "points"}  # format 2: groups travel inside points records
