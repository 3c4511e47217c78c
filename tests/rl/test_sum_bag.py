"""``_SumBag``'s hand-written backward against PyTorch's own ``F.embedding_bag`` (the oracle):
same forward, the same weight gradient up to float rounding (the two add the same terms in
another order: in float32 they differ in the last bits, in float64 by ~1e-16), for the
encoder's disjoint per-cell index ranges and for repeated indices across and within bags."""

import pytest
import torch
import torch.nn.functional as F

from sedtheory.rl.networks import CodeEncoder, _SumBag


def _both(idx, weight, upstream):
    mine = weight.clone().requires_grad_(True)
    ref = weight.clone().requires_grad_(True)
    out_mine = _SumBag.apply(idx, mine)
    out_ref = F.embedding_bag(idx, ref, mode="sum")
    (out_mine * upstream).sum().backward()
    (out_ref * upstream).sum().backward()
    return out_mine, out_ref, mine.grad, ref.grad


@pytest.mark.parametrize("seed", range(3))
def test_disjoint_cell_ranges_match_embedding_bag(seed):
    gen = torch.Generator().manual_seed(seed)
    n_cells, n_codes, width, batch = 12, 7, 5, 40
    codes = torch.randint(0, n_codes, (batch, n_cells), generator=gen)
    idx = codes + torch.arange(n_cells) * n_codes   # position k draws only from rows [k n_codes, (k+1) n_codes)
    weight = torch.randn(n_cells * n_codes, width, generator=gen)
    upstream = torch.randn(batch, width, generator=gen)
    out_mine, out_ref, grad_mine, grad_ref = _both(idx, weight, upstream)
    assert torch.equal(out_mine, out_ref)   # the forward is embedding_bag itself
    # float32: a row sums about batch / n_codes terms; rounding of a different order stays within a few ulp
    assert torch.allclose(grad_mine, grad_ref, rtol=0, atol=8 * torch.finfo(torch.float32).eps * grad_ref.abs().max())
    _, _, grad64_mine, grad64_ref = _both(idx, weight.double(), upstream.double())
    assert torch.allclose(grad64_mine, grad64_ref, rtol=0, atol=1e-12)


def test_repeated_indices_accumulate_like_embedding_bag():
    gen = torch.Generator().manual_seed(7)
    idx = torch.randint(0, 6, (30, 4), generator=gen)   # rows repeat within and across bags
    idx[0] = torch.tensor([2, 2, 2, 2])
    weight = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    upstream = torch.randn(30, 3, generator=gen, dtype=torch.float64)
    out_mine, out_ref, grad_mine, grad_ref = _both(idx, weight, upstream)
    assert torch.allclose(out_mine, out_ref) and torch.allclose(grad_mine, grad_ref, atol=1e-12)
    # and by hand: row r's gradient is the sum of the upstream rows of the bags, once per occurrence of r
    manual = torch.zeros_like(weight)
    for b in range(idx.shape[0]):
        for r in idx[b]:
            manual[r] += upstream[b]
    assert torch.allclose(grad_mine, manual, atol=1e-12)


def test_gradcheck_in_double_precision():
    gen = torch.Generator().manual_seed(3)
    idx = torch.randint(0, 8, (5, 3), generator=gen)
    weight = torch.randn(8, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda w: _SumBag.apply(idx, w), (weight,))


def test_the_encoder_gradient_equals_the_one_hot_linear_layer():
    # CodeEncoder is "exactly a linear layer on the one-hot encoding of (window cell, code)"
    torch.manual_seed(0)
    encoder = CodeEncoder(n_cells=9, n_codes=5, hidden=4)
    codes = torch.randint(0, 4, (6, 3, 3))
    codes[0, 0, 0] = 255   # an absent observer: the last code row
    upstream = torch.randn(6, 4)
    (encoder(codes) * upstream).sum().backward()
    flat = torch.where(codes.flatten(1) == 255, 4, codes.flatten(1)) + torch.arange(9) * 5
    one_hot = F.one_hot(flat, 45).sum(1).double()                  # (6, 45)
    expected = one_hot.t() @ upstream.double()                    # d/dW of sum(upstream * (one_hot @ W))
    assert torch.allclose(encoder.table.weight.grad.double(), expected, atol=1e-6)
