"""Optimizers with PyTorch's update rules, parameter groups and state_dict layout; lr schedulers.

    opt = nn.optim.AdamW(model.parameters(), lr=1e-3)
    scheduler = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
