/* placeholder so the layer library has a source until its first module lands */
typedef int sgdl_problem_placeholder_;
