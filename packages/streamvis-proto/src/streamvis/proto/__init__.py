"""streamvis.proto: the streamvis log format (``data.proto``) and its TFRecord framing."""

from streamvis.proto.data_pb2 import (
    Control,
    DType,
    Field,
    Group,
    Header,
    Points,
    Record,
    Tombstone,
)
from streamvis.proto.framing import (
    DEFAULT_MAX_RECORD_BYTES,
    FRAME_OVERHEAD,
    FrameDecoder,
    encode_frame,
    encode_frames,
    masked_crc32c,
)
from streamvis.proto.records import (
    FORMAT_VERSION,
    MAGIC,
    DecodeError,
    DTYPE_CODES,
    DTYPE_STRINGS,
    group_record,
    header_record,
    parse_record,
    points_record,
    tombstone_record,
)

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "DTYPE_CODES",
    "DTYPE_STRINGS",
    "FORMAT_VERSION",
    "FRAME_OVERHEAD",
    "MAGIC",
    "Control",
    "DType",
    "DecodeError",
    "Field",
    "FrameDecoder",
    "Group",
    "Header",
    "Points",
    "Record",
    "Tombstone",
    "encode_frame",
    "encode_frames",
    "group_record",
    "header_record",
    "masked_crc32c",
    "parse_record",
    "points_record",
    "tombstone_record",
]
