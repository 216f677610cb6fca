"""zhmend: mend noisy Chinese web text.

>>> import zhmend
>>> zhmend.mend("會(huì)議召開(kāi),,市委書(shū)記,、委員")
'会议召开，市委书记、委员'
"""

from __future__ import annotations

from .batch import mend_batch
from .config import MendConfig
from .detect import Evidence, ScriptDecision
from .edits import Edit, replay
from .errors import ConfigError, InputError, ZhmendError
from .findings import Finding
from .inspection import Inspection, inspect
from .mend import Mended, mend, mend_and_explain
from .news import NewsRecord, extract

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Edit",
    "Evidence",
    "Finding",
    "InputError",
    "Inspection",
    "MendConfig",
    "Mended",
    "NewsRecord",
    "ScriptDecision",
    "ZhmendError",
    "__version__",
    "extract",
    "inspect",
    "mend",
    "mend_and_explain",
    "mend_batch",
    "replay",
]
