"""HJ 212 (2005, 2017, 2025): the data transmission protocol of pollution-source monitoring.

A pure library — no Django, no I/O, standard library only. Bytes in, typed objects out, and back:

* :class:`FrameSplitter` cuts a TCP byte stream into :class:`Frame` s (sticky/half packets,
  garbage, bounded buffer) and typed errors;
* :func:`parse_packet` checks the CRC (:func:`check_crc` names the variant) and parses the header
  (:class:`Header`, :class:`ProtocolVersion`) and the CP (:class:`CpPayload`,
  :class:`PollutantRecord` with glossary names from :data:`POLLUTANT_CODES`);
* :class:`SubpacketAssembler` joins PNUM/PNO parts;
* ``build_*`` functions make replies (9011–9014), platform requests and device uploads.

Every error is a :class:`Hj212Error` with a :class:`Reason` and the offending bytes.
Reference: HJ 212-2017 (and HJ/T 212-2005, HJ 212-2025); notes in ``shared/design/hj212.md``.
"""

from ceguan.hj212.builders import (
    build_cp,
    build_data_segment,
    build_frame,
    build_split_upload,
    build_upload,
    format_number,
)
from ceguan.hj212.codes import (
    INFO_CODES,
    POLLUTANT_CODES,
    DataFlag,
    InfoCode,
    Medium,
    PollutantCode,
    RunState,
    WorkState,
    lookup_pollutant,
)
from ceguan.hj212.commands import (
    DATA_COMMANDS,
    REPLY_COMMANDS,
    Command,
    ExeRtn,
    QnRtn,
    SystemCode,
)
from ceguan.hj212.crc import (
    ALL_CRC_VARIANTS,
    STANDARD_CRC_ONLY,
    CrcVariant,
    check_crc,
    compute_crc,
    crc_hj212,
    crc_modbus,
    format_crc,
)
from ceguan.hj212.errors import (
    CrcError,
    FramingError,
    Hj212Error,
    PacketError,
    Reason,
    ReassemblyError,
)
from ceguan.hj212.framing import (
    DEFAULT_MAX_FRAME_SIZE,
    STANDARD_MAX_DATA_LENGTH,
    Frame,
    FrameSplitter,
    build_raw_frame,
    parse_frame,
)
from ceguan.hj212.header import (
    Header,
    ProtocolVersion,
    build_flag,
    parse_header,
    version_from_flag,
)
from ceguan.hj212.packet import Packet, parse_packet
from ceguan.hj212.payload import parse_cp
from ceguan.hj212.platform_commands import (
    MIN_INTERVALS,
    build_command,
    build_data_request,
    build_get_info,
    build_get_min_interval,
    build_get_rtd_interval,
    build_get_time,
    build_set_info,
    build_set_min_interval,
    build_set_rtd_interval,
    build_set_time,
)
from ceguan.hj212.reassembly import AssembledMessage, SubpacketAssembler, merge_payloads
from ceguan.hj212.records import CpPayload, DeviceRecord, InfoRecord, PollutantRecord
from ceguan.hj212.replies import (
    build_data_reply,
    build_execution_reply,
    build_notification_reply,
    build_request_reply,
)
from ceguan.hj212.times import BEIJING, format_hj_time, format_qn, parse_hj_time, parse_qn

__all__ = [
    "ALL_CRC_VARIANTS",
    "BEIJING",
    "DATA_COMMANDS",
    "DEFAULT_MAX_FRAME_SIZE",
    "INFO_CODES",
    "MIN_INTERVALS",
    "POLLUTANT_CODES",
    "REPLY_COMMANDS",
    "STANDARD_CRC_ONLY",
    "STANDARD_MAX_DATA_LENGTH",
    "AssembledMessage",
    "Command",
    "CpPayload",
    "CrcError",
    "CrcVariant",
    "DataFlag",
    "DeviceRecord",
    "ExeRtn",
    "Frame",
    "FrameSplitter",
    "FramingError",
    "Header",
    "Hj212Error",
    "InfoCode",
    "InfoRecord",
    "Medium",
    "Packet",
    "PacketError",
    "PollutantCode",
    "PollutantRecord",
    "ProtocolVersion",
    "QnRtn",
    "Reason",
    "ReassemblyError",
    "RunState",
    "SubpacketAssembler",
    "SystemCode",
    "WorkState",
    "build_command",
    "build_cp",
    "build_data_reply",
    "build_data_request",
    "build_data_segment",
    "build_execution_reply",
    "build_flag",
    "build_frame",
    "build_get_info",
    "build_get_min_interval",
    "build_get_rtd_interval",
    "build_get_time",
    "build_notification_reply",
    "build_raw_frame",
    "build_request_reply",
    "build_set_info",
    "build_set_min_interval",
    "build_set_rtd_interval",
    "build_set_time",
    "build_split_upload",
    "build_upload",
    "check_crc",
    "compute_crc",
    "crc_hj212",
    "crc_modbus",
    "format_crc",
    "format_hj_time",
    "format_number",
    "format_qn",
    "lookup_pollutant",
    "merge_payloads",
    "parse_cp",
    "parse_frame",
    "parse_header",
    "parse_hj_time",
    "parse_packet",
    "parse_qn",
    "version_from_flag",
]
