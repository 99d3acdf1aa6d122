"""Retrieval metrics of the paper's protocol (no torch, so tests need only NumPy)."""
import numpy as np


def rank_of(scores, target):
    # stable descending order: ties broken by gallery position, as the plugin breaks them by doc order
    order = np.argsort(-scores, kind="stable")
    return int(np.where(order == target)[0][0]) + 1, order


def metrics(ranks):
    """Hits@1, Hits@5, MRR@5 of 1-based target ranks."""
    if len(ranks) == 0:
        raise ValueError("no queries to score")
    ranks = np.asarray(ranks)
    return {"H@1": float((ranks <= 1).mean()), "H@5": float((ranks <= 5).mean()),
            "MRR@5": float(np.where(ranks <= 5, 1.0 / ranks, 0).mean())}
