"""A ViT's forward pass on the visible patches of a masked image."""
import torch
from mmpretrain.models.utils import resize_pos_embed
from torch import Tensor


def encode_visible(vit, x: Tensor, mask: Tensor) -> Tensor:
    """Tokens of ``vit`` (an mmpretrain ``VisionTransformer``) for the
    patches of ``x`` (B, C, H, W) that ``mask`` (B, h*w; True = masked, the
    same count per image) leaves visible, in row-major order after the
    extra (class) tokens: (B, extra + visible, D).

    Position embeddings are added before the masked patches are dropped, so
    every visible token keeps its place in the grid; otherwise the pass is
    the backbone's own (pre-norm, blocks, final norm), as in MAE (He et al.,
    arXiv:2111.06377) and SIM (Tao et al., arXiv:2206.01204).
    """
    patches, grid = vit.patch_embed(x)
    batch, num_patches, dims = patches.shape
    if mask.shape != (batch, num_patches):
        raise ValueError(f'the mask is {tuple(mask.shape)}, the image has '
                         f'{batch} x {num_patches} patches ({grid[0]}x'
                         f'{grid[1]})')
    counts = mask.sum(1)
    if (counts != counts[0]).any():
        raise ValueError('every image must mask the same number of patches '
                         f'for the batch to stack, got {counts.tolist()}')
    pos = resize_pos_embed(
        vit.pos_embed,
        vit.patch_resolution,
        grid,
        mode=vit.interpolate_mode,
        num_extra_tokens=vit.num_extra_tokens)
    extra = vit.num_extra_tokens
    patches = patches + pos[:, extra:]
    visible = patches[~mask].reshape(batch, -1, dims)
    if vit.cls_token is not None:
        cls = vit.cls_token.expand(batch, -1, -1) + pos[:, :extra]
        visible = torch.cat([cls, visible], dim=1)
    tokens = vit.pre_norm(vit.drop_after_pos(visible))
    for layer in vit.layers:
        tokens = layer(tokens)
    return vit.ln1(tokens) if vit.final_norm else tokens
