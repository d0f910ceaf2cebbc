from setuptools import find_packages, setup


def read_requirements(name):
    with open(f'requirements/{name}.txt') as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]


setup(
    name='mmssl_seg',
    version='0.1.0',
    description='Label-efficient semantic segmentation: self-supervised and '
    'denoising pretraining on the OpenMMLab stack',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.11',
    install_requires=read_requirements('mminstall') +
    read_requirements('runtime'),
    extras_require={'tests': read_requirements('tests')},
    license='Apache-2.0',
)
