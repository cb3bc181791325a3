"""基础信息档案 and 调查摸底: the facility archive and the baseline survey."""
