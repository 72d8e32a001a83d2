# 简体中文：the command line: banner, help-adjacent text, errors (src/cli)。
