"""zhmend: mend noisy Chinese web text.

>>> import zhmend
>>> zhmend.mend("會(huì)議召開(kāi),,市委書(shū)記,、委員")
'会议召开，市委书记、委员'
"""

from __future__ import annotations

from .config import MendConfig
from .detect import Evidence, ScriptDecision
from .edits import Edit, replay
from .errors import ConfigError, InputError, ZhmendError
from .mend import Mended, mend, mend_and_explain

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Edit",
    "Evidence",
    "InputError",
    "MendConfig",
    "Mended",
    "ScriptDecision",
    "ZhmendError",
    "__version__",
    "mend",
    "mend_and_explain",
    "replay",
]
