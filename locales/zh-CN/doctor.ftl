# 简体中文：the doctor's checks and fixes (src/doctor, src/network)。
