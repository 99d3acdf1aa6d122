# There: train_clip.py unchanged, its images from the packed array instead of the PNG files (same bytes).
import json, sys, numpy as np, torch
sys.path.insert(0, ".")
from tools.model import train_clip
paths = json.load(open(".gpu/paths.json"))
arr = np.load("/tmp/imgs.npy", mmap_mode="r")
row = {p: i for i, p in enumerate(paths)}
def images_tensor(records, size):
    return torch.from_numpy(np.stack([arr[row[r["path"]]] for r in records])).permute(0, 3, 1, 2).contiguous()
train_clip.images_tensor = images_tensor

train_clip.main()
