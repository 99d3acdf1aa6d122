"""Reference relevance-feedback math (NumPy), the yardstick for the plugin's Java implementation.

extended Rocchio (paper Eq. 1-2): over the top-K items d_i of the current ranking,
  w_i  = softmax_i( cos(q, d_i) / tau),   w-_i = softmax_i(-cos(q, d_i) / tau)
  q'   = alpha q + beta sum_i w_i d_i - gamma sum_i w-_i d_i
original Rocchio (App. A): q' = alpha q + beta mean(top-K) - gamma mean(K lowest-ranked of the retrieved window)
Rule: q' is L2-normalized after every round (rankings under cosine do not depend on it; the next round's
weights are cosines, so neither do they; it keeps dot-product fields comparable across rounds).
"""
import numpy as np

ALPHA, BETA, GAMMA, TAU, K, WINDOW = 0.8, 0.1, 0.1, 0.05, 5, 100


def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def softmax(x):
    z = x - x.max(axis=-1, keepdims=True)  # log-sum-exp shift: stable for tiny tau
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def extended_rocchio(q, feedback, negatives=None, alpha=ALPHA, beta=BETA, gamma=GAMMA, tau=TAU):
    """q: [D]; feedback: [K, D] embeddings of the top-K items (images for PRF, their captions for GRF).
    Pseudo feedback weights the same top-K both ways; explicit feedback passes its non-relevant items as
    `negatives` (either set may be empty: its term drops out)."""
    negatives = feedback if negatives is None else negatives
    pos = softmax(unit(feedback) @ unit(q) / tau) @ feedback if len(feedback) else 0
    neg = softmax(-(unit(negatives) @ unit(q)) / tau) @ negatives if len(negatives) else 0
    return unit(alpha * q + beta * pos - gamma * neg)


def original_rocchio(q, relevant, non_relevant, alpha=ALPHA, beta=BETA, gamma=GAMMA):
    pos = relevant.mean(axis=0) if len(relevant) else 0
    neg = non_relevant.mean(axis=0) if len(non_relevant) else 0
    return unit(alpha * q + beta * pos - gamma * neg)


def afs_rocchio(q, positive, a_img, images, a_cap=None, captions=None, alpha=ALPHA, beta=BETA, gamma=GAMMA, tau=TAU):
    """AFS in Rocchio (paper Eq. 6-8). positive: the summarizer's unit output; a_img / a_cap: each feedback
    image's / caption's accumulated cross-attention (mean over its tokens). The least attended items make the
    negative: w-_i = softmax_i(-a_i / tau) per modality, n = unit(mean of the image and caption parts)."""
    neg = softmax(-np.asarray(a_img) / tau) @ images
    if a_cap is not None:
        neg = (neg + softmax(-np.asarray(a_cap) / tau) @ captions) / 2
    return unit(alpha * q + beta * positive - gamma * unit(neg))
