/* placeholder so the layer library has a source until its first module lands */
typedef int sgdl_pde_placeholder_;
