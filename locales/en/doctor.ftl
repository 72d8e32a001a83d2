# English: the doctor's checks and fixes (src/doctor, src/network).
