"""Centered finite differences: the independent witness that a backward pass is right."""
import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    """dF/dx by (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i; f takes no arguments
    and reads x, which is perturbed in place and restored before returning.

    Arguments:
    f -- function of no arguments returning a float that depends on the array x
    x -- array (float64) to differentiate with respect to
    eps -- step; 1e-5 balances truncation error (eps^2) against rounding error (1e-16 / eps)

    Returns:
    grad -- array of x's shape
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric):
    """||a - n|| / (||a|| + ||n||); 0 when both are zero to within finite-difference noise (the 0/0 case,
    where there is nothing to disagree about and the ratio would be noise over noise)."""
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    if denominator < 1e-10:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / denominator)
