"""Judging a change, shared by the features that judge one: the condition grammar (`--when`,
`--expect`) and the two-sample judge (Mann-Whitney, the count test, the sample gates) with the
words its results are said in."""
