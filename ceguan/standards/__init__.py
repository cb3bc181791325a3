"""The rule book as data: dated, cited YAML parameters and a strict typed loader.

Pure: no Django, no network. Usage::

    from datetime import date
    from ceguan.standards import load_rulebook

    rulebook = load_rulebook()
    deadline = rulebook.get("workplan.contact_report_deadline", on=date(2018, 4, 20))
    deadline.month_day().in_year(2018)  # date(2018, 4, 28)
    deadline.reference.title            # '甘环办发〔2018〕25号 五（一）'

File format and the rules for adding a parameter: ``README.md`` beside this file.
Conventions: ``shared/design/style.md`` §1–5.
"""

from ceguan.standards.errors import NotInForce, RuleBookError, UnknownParameter
from ceguan.standards.parameter import Parameter, ParameterValue, read_parameter
from ceguan.standards.rulebook import Folder, RuleBook, load_rulebook, read_rulebook
from ceguan.standards.schema import Reference
from ceguan.standards.units import MonthDay, Unit

__all__ = [
    "Folder",
    "MonthDay",
    "NotInForce",
    "Parameter",
    "ParameterValue",
    "Reference",
    "RuleBook",
    "RuleBookError",
    "Unit",
    "UnknownParameter",
    "load_rulebook",
    "read_parameter",
    "read_rulebook",
]
