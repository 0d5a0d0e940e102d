/* The cost estimate of a weak or npoint study on a network problem (sgdl_estimate_net in
 * sgdlab/study_estimate.h): what every run of the study does per step and output, counted in the
 * mlp passes of sgdlab/mlp_cost.h, and their CPU seconds at the calibrated rates. It follows
 * src/study/weak.c's runs: per learning rate the discrete reference, then each model plain, as a
 * coupled pair beside its own SGD, or as two Talay-Tubaro ensembles (m and 2m substeps), and
 * src/dynamics' steps: sgd (sgrad.c: a batch-B gradient per particle), svag (l small steps of
 * two minibatch gradients), the SDE models (sde.c: per substep one fused pass of grad L and the
 * noise's weighted sum over the N examples with N normals, the modified drift's Hessian product,
 * Heun's second drift); a control variate's twin beside every run is counted as a second copy of
 * that run's work (an upper bound: the twin's affine surrogate is cheaper). Does not: run, time or
 * allocate anything. */
#include <math.h>
#include <string.h>

#include "sgdlab/ensemble.h"
#include "sgdlab/rng.h" /* SGDL_LANES */
#include "sgdlab/stepper.h"
#include "sgdlab/study_estimate.h"

/* One counting pass: the problem's costs, the study's sizes at one learning rate, the sums. */
typedef struct {
  const sgdl_study_spec *sp;
  sgdl_mlp_cost c;
  double lanes, paths, K, outs; /* lanes of a run (paths x particles), replicas observed, steps, outputs */
  double d, N, B;
  sgdl_estimate_net *net;
} counter;

/* The observables of one observed half (SGD or a model) at every output time. */
static void count_observed(counter *k, double halves) {
  const sgdl_study_spec *sp = k->sp;
  const double at = halves * k->paths * k->outs;
  for (int o = 0; o < sp->n_obs; o++) {
    const sgdl_observable *ob = &sp->obs[o];
    if (ob->kind == SGDL_OBS_NAMED && ob->i <= 1) k->net->examples[SGDL_MLP_PASS_OBSERVE] += at * k->c.n_test;
    else if (ob->kind == SGDL_OBS_NAMED && ob->i == 2) k->net->examples[SGDL_MLP_PASS_OBSERVE] += at * k->c.n_train;
    else if (ob->kind == SGDL_OBS_LOSS) k->net->examples[SGDL_MLP_PASS_LOSS] += at * k->c.n_train;
    else if (ob->kind == SGDL_OBS_GRAD_NORM2) k->net->examples[SGDL_MLP_PASS_GRAD] += at * k->c.n_train;
  }
}

/* A discrete SGD-type run (or a coupled pair's SGD half): a batch-B gradient per particle and
 * step, its call and the update as lane-vectors, one first touch per lane. */
static void count_discrete(counter *k) {
  k->net->examples[SGDL_MLP_PASS_SAMPLE] += k->lanes * k->K * k->B;
  k->net->vectors += (1 + SGDL_MLP_UPDATE_VECTORS) * k->lanes * k->K;
  k->net->run_weights[0] += k->lanes * k->d;
}

/* svag at l: l small steps of two minibatch gradients (one at l = 1), each a call, and an update. */
static void count_svag(counter *k, int l) {
  const double draws = l == 1 ? 1 : 2;
  k->net->examples[SGDL_MLP_PASS_SAMPLE] += k->lanes * k->K * l * draws * k->B;
  k->net->vectors += k->lanes * k->K * l * (draws + SGDL_MLP_UPDATE_VECTORS);
  k->net->run_weights[0] += k->lanes * k->d;
}

/* One ensemble of an SDE model at `substeps` per learning-rate step. */
static void count_model_run(counter *k, const sgdl_stepper_type *t, const sgdl_algo_params *par, const char *name,
                            int substeps, int coupled) {
  const sgdl_stepper_desc *ds = &t->desc;
  const double subs = k->lanes * k->K * substeps, N = k->N, P = k->sp->P > 0 ? k->sp->P : 1;
  const int modified = ds->drift == SGDL_DRIFT_MODIFIED, heun = par->scheme == SGDL_SCHEME_HEUN;
  k->net->vectors += SGDL_MLP_SUBSTEP_VECTORS * subs;
  if (ds->noise == SGDL_NOISE_NONE) {
    k->net->examples[SGDL_MLP_PASS_GRAD] += subs * N;
  } else {
    const char *form = sgdl_noise_form(k->sp->prob, name, par);
    if (form && !strcmp(form, "sqrt-sigma")) { /* per-sample gradients and grad L, lane by lane */
      k->net->examples[SGDL_MLP_PASS_SAMPLE] += subs * N;
      k->net->examples[SGDL_MLP_PASS_GRAD] += subs * N;
      k->net->vectors += subs * N;
    } else {
      k->net->examples[SGDL_MLP_PASS_FUSED] += subs * N;
    }
    k->net->normals += (ds->noise == SGDL_NOISE_SMF ? subs / P : subs) * N; /* the flow's are shared by a replica */
  }
  if (modified) k->net->examples[SGDL_MLP_PASS_HVP] += subs * N * (heun ? 2 : 1);
  if (heun) k->net->examples[SGDL_MLP_PASS_GRAD] += subs * N;
  k->net->run_weights[1] += k->lanes * k->d;
  if (coupled) { /* its SGD half; beside a flow it ranks the flow's sums over the N examples per step */
    count_discrete(k);
    if (ds->noise == SGDL_NOISE_SMF) k->net->normals += k->lanes * k->K * N;
  }
  count_observed(k, coupled ? 2 : 1);
}

/* Model m (0-based) at one learning rate: svag, or its plain, coupled or Talay-Tubaro runs. */
static void count_model(counter *k, int m, double lr) {
  const sgdl_study_spec *sp = k->sp;
  const char *name = sp->models[m];
  const sgdl_stepper_type *t = sgdl_stepper_find(name);
  if (!t) return;
  sgdl_algo_params par = sp->par;
  par.lr = lr;
  if (sp->model_svag_l && sp->model_svag_l[m] > 0) par.svag_l = sp->model_svag_l[m];
  if (t->desc.noise == SGDL_NOISE_SAMPLED) {
    count_svag(k, par.svag_l > 0 ? par.svag_l : 1);
    count_observed(k, 1);
    return;
  }
  const int coupled = sp->coupling && sgdl_coupling_possible(sp->prob, name, sp->P, &sp->par);
  const int sub = sp->par.substeps > 0 ? sp->par.substeps : 1;
  count_model_run(k, t, &par, name, sub, coupled);
  if (sp->talay_tubaro) count_model_run(k, t, &par, name, 2 * sub, coupled);
}

/* CPU seconds of the counted work at the calibrated rates (sgdlab/mlp_cost.h). */
static double net_cpu_seconds(const sgdl_mlp_cost *c, sgdl_estimate_net *net, double d) {
  double s = SGDL_MLP_START_SECONDS;
  net->madds = 0;
  for (int q = 0; q < SGDL_MLP_N_PASSES; q++) {
    net->madds += net->examples[q] * c->madds[q];
    s += sgdl_mlp_pass_seconds(c, q, net->examples[q]);
  }
  s += 1e-9 * (net->vectors * d * SGDL_MLP_VECTOR_NS + net->run_weights[0] * SGDL_MLP_RUN_NS_DISCRETE +
               net->run_weights[1] * SGDL_MLP_RUN_NS_MODEL + net->normals * SGDL_MLP_NORMAL_NS);
  return s;
}

int sgdl_estimate_study_net(const sgdl_study_spec *sp, sgdl_estimate_net *net) {
  memset(net, 0, sizeof *net);
  counter k;
  memset(&k, 0, sizeof k);
  if (!sp->prob || sp->exact || sgdl_mlp_problem_cost(sp->prob, &k.c) != SGDL_OK) return 0;
  const int anti = (sp->variance_reduction & SGDL_VR_ANTITHETIC) != 0;
  const double cv = sp->variance_reduction & SGDL_VR_CONTROL_VARIATE ? 2 : 1; /* a twin beside every run */
  k.sp = sp;
  k.net = net;
  k.d = sp->prob->dim;
  k.N = (double)sp->prob->n_data;
  k.B = sp->par.batch > 0 ? sp->par.batch : 1;
  k.paths = (double)sp->paths;
  k.lanes = k.paths * (sp->P > 0 ? sp->P : 1) * cv;
  net->dtype = k.c.dtype;
  net->parallel = ceil((anti ? k.paths / 2 : k.paths) / SGDL_LANES);
  for (int i = 0; i < sp->n_lr; i++) {
    const double lr = sp->lrs[i];
    k.K = (double)sgdl_study_steps(sp->T, sgdl_study_dt(sp, lr));
    k.outs = (double)sgdl_ensemble_n_outputs((uint64_t)k.K, sp->every);
    count_discrete(&k); /* the reference, stream 0 */
    count_observed(&k, 1);
    for (int m = 0; m < sp->n_models; m++) count_model(&k, m, lr);
  }
  net->cpu_seconds = net_cpu_seconds(&k.c, net, k.d);
  return 1;
}
