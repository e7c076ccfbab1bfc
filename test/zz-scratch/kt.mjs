import keytar from 'keytar'
await keytar.setPassword('mua-sts-probe', 'acct', 'secret-1')
console.log('get', await keytar.getPassword('mua-sts-probe', 'acct'))
console.log('find', JSON.stringify(await keytar.findCredentials('mua-sts-probe')))
console.log('home', process.env.HOME, process.env.GNOME_KEYRING_CONTROL)
