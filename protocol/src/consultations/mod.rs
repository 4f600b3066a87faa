//! Public consultations (konsultacje społeczne): a survey's questions, the
//! rules an answer must follow, and the tally of answers. Pure rules.
