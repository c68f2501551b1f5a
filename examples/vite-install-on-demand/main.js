// `nanoid` is not in package.json: the first page load installs it.
import { nanoid } from 'nanoid'

document.querySelector('#app').textContent = `installed on demand: ${nanoid()}`
