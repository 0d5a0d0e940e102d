/* sgdlab dynamics: one stepper interface for every discrete algorithm and continuous model.
 *
 * Like GSL's ode-initval2, a method is a const type object and one generic driver (the
 * ensemble layer, or any other time loop) runs any of them. SGD is a stepper too.
 * The driver owns the time loop and the output times; a stepper only advances a block of
 * lanes by one learning-rate step (t -> t + alpha; continuous models take `substeps`
 * internal steps of size alpha/substeps).
 *
 * Lanes are replicas in structure-of-arrays layout: x[(p*d + i)*W + l] is coordinate i of
 * particle p in lane l (replica replica0 + l). Particles of one replica are the n starting
 * points of a multi-point study. Randomness sharing inside a replica, by model:
 *   discrete algorithms: all particles use the same sample indices (or the same additive
 *                        noise draw) at each step — SGD runs "with shared samples";
 *   smf1/smf2:           all particles use the same Brownian increments beta_k (SPEC 3.3);
 *   gf:                  no noise;
 *   sme1/sme2:           each particle has independent noise (the contrast of GKK).
 * Every random number comes from sgdl_rng_* with purpose SGDL_PURPOSE(kind, stream, particle)
 * and step = the learning-rate step index (times substeps for SDE substeps), so a lane's path
 * is a pure function of (seed, replica, stream) whatever the blocking or thread count.
 *
 * Plan/execute: sgdl_stepper_create validates and precomputes (noise square roots,
 * preconditioners); step() does not allocate. Ownership: create allocates, destroy frees.
 */
#ifndef SGDLAB_STEPPER_H
#define SGDLAB_STEPPER_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { SGDL_SCHEME_EM = 0, SGDL_SCHEME_HEUN = 1 };

typedef struct sgdl_algo_params {
  double lr;               /* alpha: learning rate (continuous models: the alpha in their coefficients) */
  int batch;               /* B >= 1 */
  int without_replacement; /* minibatch sampling: 0 i.i.d. indices, 1 uniform B-subset */
  double momentum;         /* mu: hb, nag (0 <= mu < 1) */
  double beta1, beta2, eps;/* adam */
  double damping;          /* delta: newton/ngd, Lambda = (M + delta I)^{-1} */
  const double *fisher;    /* ngd: fixed d x d matrix F, or NULL for the problem's own Fisher */
  int substeps;            /* SDE substeps per learning-rate step (>= 1) */
  int nesterov;            /* msme2: model Nesterov (1) rather than heavy ball (0) */
  int sbc;                 /* nag: momentum schedule mu_k = k/(k+3) (LTE's (k-1)/(k+2), 1-based), and usme:
                            * damping 3/t (the stochastic Su-Boyd-Candes ODE) instead of (1-mu)/sqrt(alpha) */
  int no_initial_layer;    /* msme2: start the flow at x0 instead of x0 + alpha mu/(1-mu)^2 grad L(x0) */
  int scheme;              /* SGDL_SCHEME_EM or SGDL_SCHEME_HEUN (weak order 2 for additive noise) */
  int noise_form;          /* SME noise on a finite data set: SGDL_NOISE_FORM_AUTO (0, the cost rule of
                            * sgdl_noise_form), or force _SQRT_SIGMA / _N_COLUMN */
  int svag_l;              /* svag: small steps per learning-rate step (l >= 1; l = 1 is SGD in law) */
  int increments;          /* the continuous models' noise increments: SGDL_INCREMENTS_GAUSS (0, the
                            * default), _TWO_POINT or _THREE_POINT (sgdl_increments_choose) */
  /* Common random numbers between a discrete algorithm and a model are not set here: they are
   * private to the dynamics layer (sgdl_stepper_create_pair sets them on its discrete half). */
} sgdl_algo_params;

/* How an SME (sme1, sme2, msme*, usme) forms its noise Sigma_1(x)^{1/2} z on a finite data set
 * with state-dependent noise:
 *   sqrt-sigma: Sigma_1 and its symmetric square root per lane and substep, z ~ N(0, I_d);
 *   n-column:   sqrt(1/N) sum_i zeta_i G_i(x), zeta ~ N(0, I_N) per particle: the same law, since
 *               Sigma_1 = (1/N) G G^T; one weighted per-sample pass, no d x d work, no LAPACK.
 * The numbers of each form are fixed by (seed, stream); the forms use different random numbers. */
enum { SGDL_NOISE_FORM_AUTO = 0, SGDL_NOISE_FORM_SQRT_SIGMA = 1, SGDL_NOISE_FORM_N_COLUMN = 2 };
/* The form model `model` will use on p under par: "n-column" or "sqrt-sigma" for an SME on a finite
 * data set with state-dependent noise (par->noise_form, or with AUTO the cheaper by the cost rule
 * in sde.c), NULL otherwise (no noise, flows, constant or additive noise, unknown model). */
const char *sgdl_noise_form(const sgdl_problem *p, const char *model, const sgdl_algo_params *par);

/* The increments z of the continuous models' substeps (sgdl_rng.h). Weak schemes need only the
 * increments' moments (Kloeden-Platen 14.2, 14.3): two-point +-1 (moments of N(0,1) to order 3)
 * keeps Euler-Maruyama's weak order 1; three-point {-sqrt 3, 0, sqrt 3} w.p. 1/6, 2/3, 1/6 (to
 * order 5) keeps Heun's weak order 2 for additive noise and Talay-Tubaro's extrapolation. Both come
 * from raw Philox words (no Box-Muller), several times cheaper than normals. Paths, not laws, then
 * differ from the Gaussian ones. Discrete algorithms (SGD) always draw their Gaussian noise with
 * normals, and a model with non-Gaussian increments is never coupled to SGD
 * (sgdl_coupling_possible): SGD's coupled draw would be a normalised sum of the model's increments,
 * which is not Gaussian. */
enum { SGDL_INCREMENTS_GAUSS = 0, SGDL_INCREMENTS_TWO_POINT = 1, SGDL_INCREMENTS_THREE_POINT = 2 };
/* "gauss", "two-point" or "three-point" for an SGDL_INCREMENTS_* value. */
const char *sgdl_increments_name(int increments);
/* --increments TEXT -> par->increments. TEXT: gauss | two-point | three-point | auto, where auto
 * picks by the scheme `scheme` ("em", "heun", "tt"; NULL: par->scheme): two-point for EM (weak
 * order 1), three-point for Heun and Talay-Tubaro (weak order 2). Errors name --increments. */
int sgdl_increments_choose(sgdl_ctx *ctx, const char *text, const char *scheme, sgdl_algo_params *par);

/* Defaults: lr 0.1, batch 1, mu 0.9, beta1 0.9, beta2 0.999, eps 1e-8, substeps 1, EM, svag_l 1. */
void sgdl_algo_params_init(sgdl_algo_params *par);

typedef struct sgdl_stepper sgdl_stepper;

typedef struct sgdl_lanes {
  int W;             /* lanes in this block, 1 .. SGDL_LANES */
  uint32_t replica0; /* replica id of lane 0 */
  int P;             /* particles per replica */
  int d;             /* problem dimension */
  double *x;         /* [P][d][W] positions */
  double *aux;       /* [P][naux][W] stepper state (momentum, Adam moments), zero at start */
  uint64_t k;        /* index of the learning-rate step about to be taken (0, 1, ...) */
  double *work;      /* scratch of stepper->work_per_lane * SGDL_LANES doubles */
  const struct sgdl_mirror *mirror; /* NULL (the driver's lanes); set by an antithetic stepper on its
                                     * mirror half: every random draw of these lanes is mirrored */
} sgdl_lanes;

/* The antithetic mirror of a block of lanes (sgdl_stepper_create_antithetic): the same Philox words as
 * the plain lanes, with every normal (and two- or three-point increment) negated and every sample
 * index i of a finite data set replaced by index[i] (a permutation of 0..n-1; NULL: n - 1 - i, the
 * index of the mirrored uniform 1 - u). Both maps carry each draw's law to itself. */
typedef struct sgdl_mirror {
  const uint32_t *index; /* [n] or NULL */
  uint32_t n;
} sgdl_mirror;

/* Optimiser rules: the discrete rule of a stepper's descriptor, and (SGD .. ADAM) the rules of
 * sgdl_optim_update below. NEWTON and NGD are SGD on a preconditioned gradient (lane steppers
 * only); NONE marks a continuous model. */
enum { SGDL_OPT_NONE = -1, SGDL_OPT_SGD = 0, SGDL_OPT_HB, SGDL_OPT_NAG, SGDL_OPT_ADAM, SGDL_OPT_NEWTON, SGDL_OPT_NGD };
/* The one enumeration of discrete rules, shared by the steppers, the exact stationary solvers and the
 * network trainer. A rule's name is the name of the discrete stepper that runs it ("sgd", "hb", "nag",
 * "adam", "newton", "ngd"), read off the stepper registry, so there is one spelling of each.
 * sgdl_opt_rule_from_name: SGDL_OPT_* of a discrete stepper's name; SGDL_OPT_NONE for a continuous
 * model, an unknown name or NULL. sgdl_opt_rule_name: the name of a rule; "?" for anything else. */
int sgdl_opt_rule_from_name(const char *name);
const char *sgdl_opt_rule_name(int rule);
/* Drift of a continuous model: none (discrete algorithms), -grad L, or the modified
 * -(grad L + modc alpha Hess L grad L) = -grad (L + modc alpha/2 |grad L|^2) (SPEC 3.1). */
enum { SGDL_DRIFT_NONE = 0, SGDL_DRIFT_PLAIN, SGDL_DRIFT_MODIFIED };
/* Noise of a continuous model: none (gf), SME (independent Sigma_1^{1/2} dW per particle),
 * SMF (flow noise sqrt(w) G dbeta shared by the particles of a replica; one particle's law = SME's),
 * or SAMPLED: a model of SGD that is itself driven by minibatch draws (svag: the SVAG of Li,
 * Malladi and Arora, which converges weakly to SME1 as its l grows). A SAMPLED model has no SDE
 * coefficients (the SME coefficient object refuses it) and no common random numbers with SGD. */
enum { SGDL_NOISE_NONE = 0, SGDL_NOISE_SME, SGDL_NOISE_SMF, SGDL_NOISE_SAMPLED };
/* Momentum structure: none, the time-rescaled momentum SMEs (msme: coefficients times 1/(1-mu),
 * msme2's coefficient 2 kappa(mu) and initial layer, SPEC 3.2a/b), or the underdamped (X, V)
 * SDE of the critical scaling (usme, SPEC 3.2c). */
enum { SGDL_MOMENTUM_NONE = 0, SGDL_MOMENTUM_MSME, SGDL_MOMENTUM_UNDERDAMPED };

/* What a stepper is, read by every layer that must treat kinds of models differently (the
 * steppers' plans, coupling, exact moments, weak studies, the SME coefficient object) instead
 * of decoding the name. */
typedef struct sgdl_stepper_desc {
  int rule;          /* SGDL_OPT_*: the discrete update rule; SGDL_OPT_NONE for continuous models */
  int drift;         /* SGDL_DRIFT_* */
  double modc;       /* SGDL_DRIFT_MODIFIED: the coefficient modc (1/2: L + alpha/4 |grad L|^2); 0 otherwise */
  int noise;         /* SGDL_NOISE_* */
  int momentum;      /* SGDL_MOMENTUM_* */
  int weak_order;    /* weak order of approximation of SGD claimed by the theory (0 = n/a) */
} sgdl_stepper_desc;

typedef struct sgdl_stepper_type {
  const char *name;  /* "sgd", "hb", "nag", "adam", "newton", "ngd", "gf", "sme1", "sme2", "smf1", "smf2",
                      * "msme1", "msme2", "usme", "svag" (the list: src/dynamics/steppers.def) */
  int is_discrete;   /* 1 for the discrete algorithms (desc.rule != SGDL_OPT_NONE); 0 for models,
                      * svag included (a model of SGD, though it draws minibatches) */
  sgdl_stepper_desc desc;
  const char *summary;
  int (*plan)(sgdl_ctx *ctx, sgdl_stepper *s);
  void (*step)(const sgdl_stepper *s, sgdl_lanes *L);
  void (*destroy)(sgdl_stepper *s);
} sgdl_stepper_type;

struct sgdl_stepper {
  const sgdl_stepper_type *type;
  const sgdl_problem *prob;   /* borrowed */
  sgdl_algo_params par;
  uint32_t seed;
  uint32_t stream;            /* separates the random streams of different runs */
  double cB;                  /* minibatch factor c_B of SPEC section 1 */
  int particles;              /* P: particles per replica it is driven with */
  int naux;                   /* aux doubles per particle per lane */
  int work_per_lane;          /* scratch doubles needed per lane */
  const char *noise_form;     /* sgdl_noise_form() as chosen at plan time (static string or NULL) */
  void *impl;
};

/* Look up a type by name (NULL if unknown); list of all names, NULL-terminated. */
const sgdl_stepper_type *sgdl_stepper_find(const char *name);
extern const char *const sgdl_stepper_names[];

/* Validate parameters against the problem (errors name the flag: "--lr", "--batch", "--momentum")
 * and precompute. P is the number of particles per replica the stepper will be driven with. */
int sgdl_stepper_create(sgdl_ctx *ctx, const char *name, const sgdl_problem *prob,
                        const sgdl_algo_params *par, uint32_t seed, uint32_t stream, int P,
                        sgdl_stepper **out);
void sgdl_stepper_destroy(sgdl_stepper *s);

/* A coupled pair for variance-reduced weak errors: 2P particles per replica, [0, P) run the
 * discrete `algo` (sgd, hb or nag; batch and sampling from par) and [P, 2P) run `model`, with common random
 * numbers: SGD's Gaussian draw at step k is the normalised sum of the model's substep normals over that step
 * (on a finite data set: its minibatch is the B largest entries of the flow's summed substep normals), so
 * each half keeps its law. sgdl_coupling_possible says whether it applies: additive constant noise
 * (any model; P = 1 unless the model is a flow or gf, because SGD shares its draw across
 * particles), or a finite data set of at most 1024 samples with a flow (smf1/smf2) or gf and
 * B = 1 or sampling without replacement; never for a noisy model with non-Gaussian par->increments. */
int sgdl_coupling_possible(const sgdl_problem *prob, const char *model, int P, const sgdl_algo_params *par);
int sgdl_stepper_create_pair(sgdl_ctx *ctx, const char *algo, const char *model, const sgdl_problem *prob,
                             const sgdl_algo_params *par, uint32_t seed, uint32_t stream, int P,
                             sgdl_stepper **out);

/* A twin for control variates (src/dynamics/twin.c): 2 P' particles per replica (P' =
 * main->particles), [0, P') run `main` on its problem and [P', 2 P') run `shadow`, the same stepper
 * (same name or a pair of the same names, seed, stream and particles) on the problem's affine surrogate, so both read
 * the same random numbers. Takes ownership of main and shadow (destroyed on failure too). */
int sgdl_stepper_create_twin(sgdl_ctx *ctx, sgdl_stepper *main, sgdl_stepper *shadow, sgdl_stepper **out);

/* Antithetic pairs (src/dynamics/antithetic.c): 2 P' particles per replica (P' = inner->particles),
 * [0, P') run `inner` on the lanes' own random numbers and [P', 2 P') run it again on their mirror
 * (sgdl_mirror: normals negated, sample indices through index_map, copied; NULL: i -> N - 1 - i).
 * Each half keeps the inner stepper's law; the halves are negatively correlated. Takes ownership
 * of inner (destroyed on failure too). */
int sgdl_stepper_create_antithetic(sgdl_ctx *ctx, sgdl_stepper *inner, const uint32_t *index_map, sgdl_stepper **out);
/* The sample mirror of a finite data set at the npts points pts [npts][d]: the permutation sigma of
 * 0..N-1 that minimises sum_points sum_i |xi_i + xi_sigma(i)|^2, xi_i = grad l_i(x) - grad L(x) the
 * sample's gradient noise at the point (an optimal assignment of the noise to its reflection, O(N^3),
 * N <= 2048), so that the mirrored sample's noise is as close to the negative of the original's as a
 * permutation allows. map: N entries. */
int sgdl_sample_mirror(sgdl_ctx *ctx, const sgdl_problem *prob, int npts, const double *pts, uint32_t *map);
/* The largest data set the sample mirror takes (its assignment is O(N^3)). */
#define SGDL_SAMPLE_MIRROR_MAX_N 2048

/* Optimiser rules on a flat parameter vector, shared by the lane steppers and the network
 * trainer (one copy of each rule). `aux` holds naux_of(algo)*n doubles, zero at k = 0.
 * g is the (stochastic) gradient at x; nag uses the PyTorch form (g at the current iterate,
 * which is Sutskever's look-ahead point). k is the 0-based step index (Adam bias correction). */
int sgdl_optim_aux(int rule);   /* aux vectors per parameter: 0, 1, 1, 2 (SGD, HB, NAG, ADAM) */
void sgdl_optim_update(int rule, const sgdl_algo_params *par, long n, double *x, double *aux,
                       const double *g, uint64_t k);

#ifdef __cplusplus
}
#endif
#endif
