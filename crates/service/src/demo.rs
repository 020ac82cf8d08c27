//! `meizhen demo`: a realistic 台州 (3310) set-up. Later modules add their records here.
