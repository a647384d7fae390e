"""Run configs: validation, merge order across writers, live events, deletes, old readers."""

from __future__ import annotations

import numpy as np
import pytest

from streamvis.logger import DataLogger, LogReader, RunConfig, delete_series, read_configs
from streamvis.proto import config_record, data_pb2, parse_record


def test_config_merges_in_log_order_across_writers(tmp_path):
    path = str(tmp_path / "log")
    with DataLogger("run1").init(path, config={"lr": 0.1, "model": "tiny", "layers": [1, 2]}) as a:
        a.write("loss", x=0, y=1.0)
        a.write_config({"lr": 0.05, "opt": {"name": "adam", "betas": [0.9, 0.99]}})
    with DataLogger("run1").init(path) as b:  # a resumed run of the same scope
        b.write_config({"lr": 0.01, "resumed": True, "note": None})
    with DataLogger("run2").init(path, config={"lr": 1}) as c:
        c.write("loss", x=0, y=2.0)
    assert read_configs(path) == {
        "run1": {"lr": 0.01, "model": "tiny", "layers": [1, 2], "resumed": True, "note": None,
                 "opt": {"name": "adam", "betas": [0.9, 0.99]}},
        "run2": {"lr": 1},
    }


@pytest.mark.parametrize("config, named", [
    ({"lr": np.float32(0.1)}, "'lr'"),
    ({"opt": {"sched": object()}}, "'opt.sched'"),
    ({"layers": [1, {2, 3}]}, "'layers[1]'"),
    ({"lr": float("nan")}, "'lr'"),
    ({3: "x"}, "3"),
])
def test_a_value_that_is_not_json_like_raises_naming_the_key(tmp_path, config, named):
    logger = DataLogger("run").init(str(tmp_path / "log"))
    with pytest.raises(TypeError, match=named.replace("[", r"\[").replace("]", r"\]")):
        logger.write_config(config)
    with pytest.raises(TypeError, match="config"):
        DataLogger("other").init(str(tmp_path / "log2"), config=config)
    logger.close()


def test_a_tailer_sees_config_updates_live(tmp_path):
    path = str(tmp_path / "log")
    logger = DataLogger("run").init(path, config={"lr": 0.1})
    logger.flush_buffer()
    reader = LogReader(path)
    assert [e for e in reader.poll_events() if isinstance(e, RunConfig)] == [
        RunConfig("run", {"lr": 0.1})]
    logger.write_config({"lr": 0.2})
    logger.flush_buffer()
    assert [e for e in reader.poll_events() if isinstance(e, RunConfig)] == [
        RunConfig("run", {"lr": 0.2})]
    logger.close()


def test_deleting_a_run_deletes_its_config(tmp_path):
    path = str(tmp_path / "log")
    with DataLogger("old").init(path, config={"lr": 0.1}) as logger:
        logger.write("loss", x=0, y=1.0)
    with DataLogger("keep").init(path, config={"lr": 0.2}) as logger:
        logger.write("loss", x=0, y=1.0)
    delete_series(path, "old")
    assert read_configs(path) == {"keep": {"lr": 0.2}}
    with DataLogger("old").init(path, config={"lr": 0.3}) as logger:
        logger.write("loss", x=0, y=1.0)
    assert read_configs(path) == {"keep": {"lr": 0.2}, "old": {"lr": 0.3}}


def _format1_record_class():
    """``Record`` as a reader built before Config existed sees it: data.proto without the
    ``config`` field and message."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    proto = descriptor_pb2.FileDescriptorProto()
    data_pb2.DESCRIPTOR.CopyToProto(proto)
    proto.name = "streamvis/proto/data_format1.proto"
    proto.package = "streamvis_format1"
    for message in proto.message_type:  # type names are package-qualified
        for f in message.field:
            if f.type_name:
                f.type_name = f.type_name.replace(".streamvis.", ".streamvis_format1.")
    for message in proto.message_type:
        if message.name == "Record":
            kept = [f for f in message.field if f.name != "config"]
            del message.field[:]
            message.field.extend(kept)
    kept = [m for m in proto.message_type if m.name != "Config"]
    del proto.message_type[:]
    proto.message_type.extend(kept)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("streamvis_format1.Record"))


def test_a_reader_that_predates_config_records_skips_them():
    payload = config_record("run", '{"lr": 0.1}', 7, seq=1).SerializeToString()
    old = _format1_record_class().FromString(payload)  # parses without error...
    assert old.WhichOneof("kind") is None  # ...and is no record kind it acts on
    assert parse_record(payload).WhichOneof("kind") == "config"
