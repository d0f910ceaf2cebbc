"""Every method folder has a README and a metafile whose configs exist, and
every config of the folder is in its metafile."""
import glob
import os.path as osp

import pytest
import yaml

from tests.conftest import REPO

METHODS = sorted(
    osp.dirname(p) for p in glob.glob(osp.join(REPO, 'configs', '*',
                                               'metafile.yml')))


def test_every_method_folder_has_a_metafile():
    folders = [p for p in glob.glob(osp.join(REPO, 'configs', '*'))
               if osp.isdir(p) and osp.basename(p) not in ('_base_',
                                                           'chains')]
    assert sorted(folders) == METHODS


@pytest.mark.parametrize('folder', METHODS, ids=osp.basename)
def test_metafile_lists_the_folders_configs_and_names_them(folder):
    assert osp.isfile(osp.join(folder, 'README.md'))
    with open(osp.join(folder, 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    listed = set()
    for model in meta['Models']:
        path = osp.join(REPO, model['Config'])
        assert osp.isfile(path), model['Config']
        assert model['Name'] == osp.splitext(osp.basename(path))[0]
        listed.add(osp.abspath(path))
    configs = glob.glob(osp.join(folder, '**', '*.py'), recursive=True)
    missing = sorted(osp.relpath(c, REPO) for c in configs
                     if osp.abspath(c) not in listed)
    assert not missing, f'not in {osp.basename(folder)}/metafile.yml: ' \
        f'{missing}'
