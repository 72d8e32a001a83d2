# 简体中文：the desktop windows (ui/src)。
