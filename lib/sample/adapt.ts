// lib/sample/adapt.ts — step-size adaptation by dual averaging (Hoffman & Gelman 2014,
// NUTS, section 3.2): during warm-up, log(eps) is driven so that the mean acceptance
// probability approaches a target; afterwards the averaged iterate is frozen.
export class DualAveraging {
  private readonly mu: number;
  private hBar = 0;
  private logEpsBar = 0;
  private t = 0;
  logEps: number;

  constructor(eps0: number, private readonly target: number, private readonly gamma = 0.05, private readonly t0 = 10, private readonly kappa = 0.75) {
    this.logEps = Math.log(eps0);
    this.mu = Math.log(10 * eps0);
  }

  /** Feeds the acceptance probability of one iteration; returns the next step size. */
  update(acceptProb: number): number {
    this.t += 1;
    const a = Number.isFinite(acceptProb) ? Math.min(1, Math.max(0, acceptProb)) : 0;
    const w = 1 / (this.t + this.t0);
    this.hBar = (1 - w) * this.hBar + w * (this.target - a);
    this.logEps = this.mu - (Math.sqrt(this.t) / this.gamma) * this.hBar;
    const eta = Math.pow(this.t, -this.kappa);
    this.logEpsBar = eta * this.logEps + (1 - eta) * this.logEpsBar;
    return Math.exp(this.logEps);
  }

  /** The step size to freeze after warm-up. */
  final(): number {
    return Math.exp(this.t > 0 ? this.logEpsBar : this.logEps);
  }
}
