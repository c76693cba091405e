package dev.thinktune.reward.symbolic;

/** A complex number in double precision: the values expressions are evaluated to. */
record Complex(double re, double im) {

    static final Complex ZERO = new Complex(0, 0);
    static final Complex ONE = new Complex(1, 0);
    static final Complex I = new Complex(0, 1);

    static Complex real(double re) {
        return new Complex(re, 0);
    }

    Complex plus(Complex o) {
        return new Complex(re + o.re, im + o.im);
    }

    Complex minus(Complex o) {
        return new Complex(re - o.re, im - o.im);
    }

    Complex times(Complex o) {
        return new Complex(re * o.re - im * o.im, re * o.im + im * o.re);
    }

    Complex div(Complex o) {
        double d = o.re * o.re + o.im * o.im;
        return new Complex((re * o.re + im * o.im) / d, (im * o.re - re * o.im) / d);
    }

    Complex negate() {
        return new Complex(-re, -im);
    }

    double abs() {
        return Math.hypot(re, im);
    }

    boolean isReal() {
        return im == 0;
    }

    boolean isFinite() {
        return Double.isFinite(re) && Double.isFinite(im);
    }

    /** The principal logarithm. */
    Complex log() {
        return new Complex(Math.log(abs()), Math.atan2(im, re));
    }

    Complex exp() {
        double m = Math.exp(re);
        return im == 0 ? real(m) : new Complex(m * Math.cos(im), m * Math.sin(im));
    }

    /** The principal power; real powers of non-negative reals and integer powers stay exact in double arithmetic. */
    Complex pow(Complex e) {
        if (isReal() && e.isReal()) {
            if (re >= 0 || e.re == Math.rint(e.re)) {
                return real(Math.pow(re, e.re));
            }
        }
        if (re == 0 && im == 0) {
            return e.re > 0 ? ZERO : new Complex(Double.NaN, Double.NaN);
        }
        return e.times(log()).exp();
    }

    Complex sqrt() {
        if (isReal() && re >= 0) {
            return real(Math.sqrt(re));
        }
        return pow(real(0.5));
    }

    Complex sin() {
        return isReal() ? real(Math.sin(re)) : new Complex(Math.sin(re) * Math.cosh(im), Math.cos(re) * Math.sinh(im));
    }

    Complex cos() {
        return isReal() ? real(Math.cos(re)) : new Complex(Math.cos(re) * Math.cosh(im), -Math.sin(re) * Math.sinh(im));
    }
}
