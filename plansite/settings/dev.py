"""Local development: debug on unless the environment says otherwise."""

from plansite import env
from plansite.settings.base import *  # noqa: F403

DEBUG = env.get_bool("PLANSITE_DEBUG", True)
