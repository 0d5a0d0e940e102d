/* The stochastic gradient of one SGD step on a block of lanes, with the draw shared by all
 * particles of a replica (multi-point runs "with shared samples", SPEC 3.3).
 *   finite data: B indices per lane (i.i.d. or a uniform B-subset), g = (1/B) sum grad l_i, summed
 *                by the problem's lane kernel (sgdl_problem_grad_sum_lanes: no call per sample);
 *   additive Gaussian noise: g = grad L - G theta / sqrt(B), theta ~ N(0, I_K) (the mean of B
 *   i.i.d. draws has exactly this law).
 * With a coupling (sgdl_coupling, set up by discrete.c) the draw is built from the model's
 * substep normals instead. SVAG (svag.c) takes two independent draws per small step through
 * sgdl_stochastic_grad_draw, with its own step counter and draw numbers 1 and 2 in the purpose.
 * Plain SGD on finite data (discrete.c's sgd, SVAG at l = 1) may instead take the same draw into the
 * problem's fused sgd_step_lanes (sgdl_sgd_step_draw: x -= h g in place, no gradient block).
 * Does not: own the coupling, or apply any other update rule (discrete.c calls this file; this file
 * calls nothing in discrete.c). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dynamics/internal.h"

/* Doubles of scratch for a block of SGDL_LANES lanes. */
long sgdl_sgrad_work(const sgdl_problem *p, int batch) {
  const long d = p->dim, K = p->n_noise;
  if (p->n_data) /* indices, the lane kernel's scratch; when coupled also S, z_j and the pair scratch (4 N per lane) */
    return ((long)batch * SGDL_LANES + 1) / 2 + 1 + sgdl_problem_lanes_work(p) +
           (p->n_data <= 1024 ? 4L * (long)p->n_data * SGDL_LANES : 0);
  const long nz = K > d ? K : d;
  return 4 * nz * SGDL_LANES + d * K + 3 * d;
}

/* Finite data with common random numbers: the B largest entries of S = sum_j Z_j over the flow's
 * m substep normal vectors (N per lane). Exchangeable S -> a uniform B-subset; ties have
 * probability zero. S is the flow's own sum when the pair shares it (sgdl_pair_sums), else drawn
 * again here, in the same order (the reference form). buf holds 4 N SGDL_LANES doubles. */
static void coupled_indices(const sgdl_stepper *s, const sgdl_coupling *cp, const sgdl_lanes *L, double *buf,
                            uint32_t *idx) {
  const int W = L->W, N = (int)s->prob->n_data, B = s->par.batch, m = cp->substeps;
  double *S = buf, *zj = S + (size_t)N * SGDL_LANES, *scr = zj + (size_t)N * SGDL_LANES;
  if (cp->shared_sums)
    S = sgdl_pair_sums(s, L);
  else {
    sgdl_model_normals(s->seed, cp->stream, 0, L, L->k * (uint64_t)m, N, S, scr); /* S = Z_0 (ranks as 0 + Z_0) */
    for (int j = 1; j < m; j++) {
      sgdl_model_normals(s->seed, cp->stream, 0, L, L->k * (uint64_t)m + (uint64_t)j, N, zj, scr);
      for (size_t i = 0; i < (size_t)N * W; i++) S[i] += zj[i];
    }
  }
  /* b-th largest per lane by selection, O(N B): the first n of largest S not yet taken (a later
   * equal value does not replace it), samples outermost so each row S[n][.] is read in lane order */
  double *top = scr; /* the running maximum of each lane */
  for (int l = 0; l < W; l++) idx[l] = 0, top[l] = S[l]; /* b = 0: nothing taken, sample 0 first */
  for (int n = 1; n < N; n++) {
    const double *Sn = S + (size_t)n * W;
    for (int l = 0; l < W; l++) { /* branch-free, so the lanes vectorise */
      const int more = Sn[l] > top[l];
      idx[l] = more ? (uint32_t)n : idx[l];
      top[l] = more ? Sn[l] : top[l];
    }
  }
  for (int b = 1; b < B; b++) {
    uint32_t *best = idx + (size_t)b * W;
    for (int l = 0; l < W; l++) best[l] = UINT32_MAX;
    for (int n = 0; n < N; n++) {
      const double *Sn = S + (size_t)n * W;
      for (int l = 0; l < W; l++) {
        int taken = 0;
        for (int q = 0; q < b; q++) taken |= idx[(size_t)q * W + l] == (uint32_t)n;
        if (!taken && (best[l] == UINT32_MAX || Sn[l] > top[l])) best[l] = (uint32_t)n, top[l] = Sn[l];
      }
    }
  }
}

/* A finite-data draw's minibatches, [B][W] indices at the start of work (the rest of work after
 * them, as sgdl_sgrad_work lays it out, is the lane kernel's scratch, then the coupling's buffer):
 * i.i.d. or a uniform B-subset from the Philox counter (step, purpose), or with a coupling the top B
 * of the flow's summed normals; then the antithetic mirror. */
static const uint32_t *draw_indices(const sgdl_stepper *s, const sgdl_coupling *cp, const sgdl_lanes *L,
                                    uint64_t step, uint32_t purpose, double *work) {
  const sgdl_problem *p = s->prob;
  const int W = L->W, B = s->par.batch;
  uint32_t *idx = (uint32_t *)work;
  double *buf = work + ((size_t)B * SGDL_LANES + 1) / 2 + 1 + sgdl_problem_lanes_work(p);
  if (cp) { /* a mirror half: the index the plain flow noise chose, through the sample mirror (antithetic.c) */
    sgdl_lanes plain = *L;
    plain.mirror = NULL;
    coupled_indices(s, cp, &plain, buf, idx);
  } else
    sgdl_rng_indices(s->seed, L->replica0, W, step, purpose, (uint32_t)p->n_data, (uint32_t)B,
                     s->par.without_replacement, idx);
  lanes_mirror_indices(L, idx, (size_t)B * W);
  return idx;
}

int sgdl_sgd_step_fusable(const sgdl_stepper *s, double h) {
  return s->prob->n_data && s->prob->type->sgd_step_lanes && h > 0 && isfinite(h);
}

void sgdl_sgd_step_draw(const sgdl_stepper *s, const sgdl_coupling *cp, sgdl_lanes *L, uint64_t step, int draw,
                        double h, double *work) {
  const sgdl_problem *p = s->prob;
  const int W = L->W, d = L->d, B = s->par.batch;
  const uint32_t *idx = draw_indices(s, cp, L, step, SGDL_PURPOSE(SGDL_RNG_INDEX, s->stream, draw), work);
  double *sw = work + ((size_t)B * SGDL_LANES + 1) / 2 + 1;
  for (int q = 0; q < L->P; q++) p->type->sgd_step_lanes(p, W, L->x + (size_t)q * d * W, B, idx, h, sw);
}

void sgdl_stochastic_grad(const sgdl_stepper *s, const sgdl_coupling *cp, const sgdl_lanes *L, const double *Y,
                          double *Gout, double *work) {
  sgdl_stochastic_grad_draw(s, cp, L, Y, L->k, 0, Gout, work);
}

void sgdl_stochastic_grad_draw(const sgdl_stepper *s, const sgdl_coupling *cp, const sgdl_lanes *L, const double *Y,
                               uint64_t step, int draw, double *Gout, double *work) {
  const sgdl_problem *p = s->prob;
  const int W = L->W, d = L->d, P = L->P, B = s->par.batch, K = p->n_noise;
  const uint32_t purpose = SGDL_PURPOSE(p->n_data ? SGDL_RNG_INDEX : SGDL_RNG_NORMAL, s->stream, draw);
  if (p->n_data) {
    const uint32_t *idx = draw_indices(s, cp, L, step, purpose, work);
    double *sw = work + ((size_t)B * SGDL_LANES + 1) / 2 + 1;
    for (int q = 0; q < P; q++) { /* (1/B) sum_b grad l_{idx_b}: one lane kernel, summed in b order then divided */
      double *Gq = Gout + (size_t)q * d * W;
      sgdl_problem_grad_sum_lanes(p, W, Y + (size_t)q * d * W, B, idx, NULL, Gq, sw);
      for (size_t i = 0; i < (size_t)d * W; i++) Gq[i] /= B;
    }
  } else if (cp) {
    /* Common random numbers: the draw is sum_j z_j / sqrt(m) over the model's m substep normals. */
    const double *F = cp->factor;
    const int nz = cp->cols, m = cp->substeps;
    const double scale = 1.0 / sqrt((double)B * m);
    double *z = work, *zj = z + (size_t)nz * SGDL_LANES, *scr = zj + (size_t)nz * SGDL_LANES,
           *gw = scr + (size_t)2 * nz * SGDL_LANES;
    for (int q = 0; q < P; q++) {
      const double *Yq = Y + (size_t)q * d * W;
      double *Gq = Gout + (size_t)q * d * W;
      if (q == 0 || !cp->smf) {
        memset(z, 0, sizeof(double) * (size_t)nz * W);
        for (int j = 0; j < m; j++) {
          sgdl_model_normals(s->seed, cp->stream, cp->smf ? 0 : q, L, L->k * (uint64_t)m + (uint64_t)j, nz,
                             zj, scr);
          for (size_t i = 0; i < (size_t)nz * W; i++) z[i] += zj[i];
        }
      }
      sgdl_problem_grad_lanes(p, W, Yq, Gq, gw);
      for (int i = 0; i < d; i++)
        for (int k = 0; k < nz; k++) {
          const double c = scale * F[(size_t)i * nz + k];
          for (int l = 0; l < W; l++) Gq[(size_t)i * W + l] -= c * z[(size_t)k * W + l];
        }
    }
  } else {
    double *z = work; /* [K][W] */
    double *Gc = z + (size_t)K * W, *v = Gc + (size_t)d * K, *gw = v + d;
    const double scale = 1.0 / sqrt((double)B);
    sgdl_rng_normals(s->seed, L->replica0, W, step, purpose, (size_t)K, z);
    lanes_mirror_normals(L, z, (size_t)K * W);
    for (int q = 0; q < P; q++) {
      const double *Yq = Y + (size_t)q * d * W;
      double *Gq = Gout + (size_t)q * d * W;
      sgdl_problem_grad_lanes(p, W, Yq, Gq, gw);
      if (p->noise_constant) {
        if (q == 0) p->type->noise_cols(p, Yq, Gc); /* any point: G is constant */
        for (int i = 0; i < d; i++)
          for (int k = 0; k < K; k++) {
            const double c = scale * Gc[(size_t)i * K + k];
            for (int l = 0; l < W; l++) Gq[(size_t)i * W + l] -= c * z[(size_t)k * W + l];
          }
      } else {
        for (int l = 0; l < W; l++) {
          lane_get(d, W, Yq, l, v);
          p->type->noise_cols(p, v, Gc);
          for (int i = 0; i < d; i++) {
            double acc = 0;
            for (int k = 0; k < K; k++) acc += Gc[(size_t)i * K + k] * z[(size_t)k * W + l];
            Gq[(size_t)i * W + l] -= scale * acc;
          }
        }
      }
    }
  }
}
